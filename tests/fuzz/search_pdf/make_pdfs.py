#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the tiny, valid PDFs of the search tests and of the pdf fuzz corpus.

Usage: make_pdfs.py OUTDIR
Each PDF is built by hand (objects, content stream with Helvetica text,
xref table with exact byte offsets), so no PDF tool is needed.
"""
import os
import sys


def pdf(pages):
    """pages: list of lists of text lines. Returns the PDF bytes."""
    objs = []  # object bodies, numbered from 1
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, then (page, content) pairs
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        content = "BT /F1 12 Tf 72 720 Td 14 TL\n"
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            content += f"({esc}) Tj T*\n"
        content += "ET\n"
        data = content.encode("latin-1")
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"endstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    docs = {
        "runbook.pdf": [["Disk full runbook", "", "Check usage with df -h and du -sh /var/log.",
                         "Rotate logs with logrotate --force."],
                        ["Page two: restart the service", "systemctl restart nginx.service"]],
        "one-line.pdf": [["ENOENT: no such file or directory"]],
        "empty-page.pdf": [[]],
    }
    for name, pages in docs.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(pdf(pages))


if __name__ == "__main__":
    main()
