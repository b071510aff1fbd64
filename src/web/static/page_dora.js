// SPDX-License-Identifier: Apache-2.0
// DORA: the four keys and rework rate with their tiers over a window, per
// service, and weekly trend charts drawn from the same answer's buckets.
import {api, qs} from './api.js';
import {h, mount, fmtNum, fmtPct, fmtHours} from './dom.js';
import {hashWith, formParams, DAY_MS} from './common.js';
import {barChart} from './charts.js';

const WINDOWS = [['28', '4 weeks'], ['91', '13 weeks'], ['182', '26 weeks'], ['364', '52 weeks']];

function card(id, title, value, tier, detail) {
  return h('div', {class: 'kpi', id},
    h('div', {class: 'kpi-title'}, title),
    h('div', {class: 'kpi-value'}, value),
    tier ? h('span', {class: 'tier tier-' + tier}, tier) : null,
    detail ? h('div', {class: 'muted small'}, detail) : null);
}

export async function render(root, _params, query, current) {
  const days = query.get('days') || '91';
  const service = query.get('service') || '';
  const env = query.get('env') || 'production';
  const services = h('datalist', {id: 'services'});
  const form = h('form', {id: 'dora-filters', class: 'filters'},
    h('label', {}, 'Service ', h('input', {name: 'service', value: service, list: 'services',
                                            placeholder: 'all services', size: 18})), services,
    h('label', {}, 'Environment ', h('input', {name: 'env', value: env, size: 10})),
    h('label', {}, 'Window ', h('select', {name: 'days'},
      WINDOWS.map(([v, t]) => h('option', {value: v, selected: v === days}, t)))),
    h('button', {type: 'submit'}, 'Show'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = hashWith('dora', formParams(form));
  });
  const body = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
  mount(root, h('h1', {}, 'DORA metrics'), form, body);

  // services the tenant has seen failures for, as suggestions
  api('/v1/signatures' + qs({limit: 100})).then((p) => {
    const seen = new Set();
    for (const g of p.items) for (const r of g.repos || []) seen.add(r);
    mount(services, [...seen].sort().map((r) => h('option', {value: r})));
  }, () => {});

  const until = Math.ceil(Date.now() / DAY_MS) * DAY_MS;
  const since = until - Number(days) * DAY_MS;
  const d = await api('/v1/dora' + qs({since, until, service, env, bucket: 'week'}));
  if (!current()) return;
  const t = d.total || {};
  const tiers = d.tiers || {};
  const recovery = t.failed_deployment_recovery_median_h !== null && t.failed_deployment_recovery_median_h !== undefined
    ? t.failed_deployment_recovery_median_h : t.time_to_restore_median_h;
  const b = d.buckets || [];
  mount(body,
    h('p', {}, 'Overall: ', h('span', {class: 'tier tier-' + (tiers.overall || 'none'), id: 'tier-overall'}, tiers.overall || 'none'),
      h('span', {class: 'muted'}, ` · ${d.environment} · ${d.service || 'all services'} · ${d.events} events`)),
    h('div', {class: 'kpis', id: 'dora-kpis'},
      card('kpi-df', 'Deployment frequency', fmtNum(t.deployment_frequency_per_day, 2) + ' / day',
        tiers.deployment_frequency, `${t.deployments} deployments, ${t.failed_deployments} failed`),
      card('kpi-lt', 'Lead time for changes', fmtHours(t.lead_time_median_h), tiers.lead_time,
        `median; p90 ${fmtHours(t.lead_time_p90_h)}; ${t.changes} changes`),
      card('kpi-cfr', 'Change failure rate', fmtPct(t.change_failure_rate), tiers.change_failure_rate,
        `${t.deployments_causing_incident} caused an incident`),
      card('kpi-rt', 'Recovery time', fmtHours(recovery), tiers.recovery_time,
        `${t.incidents_restored}/${t.incidents} incidents restored`),
      card('kpi-rw', 'Rework rate', fmtPct(t.rework_rate), null,
        `${t.rework_deployments} rework deployments`)),
    h('div', {class: 'charts', id: 'dora-charts'},
      barChart('Deployments per week', b.map((x) => ({label: x.label, value: x.deployments})), (v) => fmtNum(v, 0)),
      barChart('Lead time (median, h)', b.map((x) => ({label: x.label, value: x.lead_time_median_h})), (v) => fmtNum(v, 1)),
      barChart('Change failure rate', b.map((x) => ({label: x.label, value: x.change_failure_rate})), fmtPct),
      barChart('Time to restore (median, h)', b.map((x) => ({label: x.label, value: x.time_to_restore_median_h})), (v) => fmtNum(v, 1))));
}
