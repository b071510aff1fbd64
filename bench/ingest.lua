-- SPDX-License-Identifier: Apache-2.0
-- wrk script for bench/ingest.sh: the same signed body, a new delivery id
-- per request, so every request is a new durable delivery.
local body = os.getenv("BODY")
local sig = os.getenv("SIG")
local n = 0
-- wrk does not seed math.random: runs against one store pass TAG to stay unique
local thread_tag = (os.getenv("TAG") or "") .. tostring(math.random(1, 1e9))
request = function()
  n = n + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-WorkflowAI-Signature"] = "sha256=" .. sig,
    ["X-WorkflowAI-Delivery"] = "bench-" .. thread_tag .. "-" .. n,
  }
  return wrk.format("POST", nil, headers, body)
end
