/**
 * The self-contained HTML report of one run: the summary as tables and the
 * charts (price, insurance fund, open interest, liquidations over time,
 * distribution of margin ratios) as inline SVG. One file, no scripts, no
 * network: it opens from disk anywhere.
 */

import { type MarginSnapshot, RATIO_EDGES } from '../series.ts';
import type { SimResult } from '../simulate.ts';
import { PRICE_PRECISION, USD } from '../units.ts';
import { barChart, escapeHtml, lineChart, shortNumber } from './svg.ts';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
/** Liquidations are summed into this many time buckets. */
const LIQUIDATION_BUCKETS = 96;

function table(rows: [string, string | number][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`).join('')}</table>`;
}

const money = (x: number) => `$${x.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

function summaryTables(r: SimResult): string {
  const s = r.summary;
  const risk: [string, string | number][] = [
    ['bad debt (bankruptcy shortfall)', money(s.badDebtUsd)],
    ['bankruptcies', s.bankruptcies],
    [
      'insurance fund start / min / end',
      `${money(s.insuranceFund.startUsd)} / ${money(s.insuranceFund.minUsd)} / ${money(s.insuranceFund.endUsd)}`,
    ],
    ['covered by insurance', money(s.insuranceFund.coveredUsd)],
    ['socialised loss', money(s.socialisedLossUsd)],
    ['covered by fee pools', money(s.feePoolCoveredUsd)],
    [
      'liquidations (external / backstop)',
      `${s.liquidations.count} (${s.liquidations.external} / ${s.liquidations.backstop})`,
    ],
    ['liquidation volume', money(s.liquidations.volumeUsd)],
    ['longest below maintenance', `${s.longestBelowMaintenance.ticks} ticks, ${s.longestBelowMaintenance.ms / 1000} s`],
    ['funding paid / received by traders', `${money(s.funding.paidUsd)} / ${money(s.funding.receivedUsd)}`],
    ['fees (taker + spread)', money(s.fees.totalUsd)],
    [
      'AMM PnL (fees, funding, trading)',
      `${money(s.amm.pnlUsd)} (${money(s.amm.feesUsd)}, ${money(s.amm.fundingUsd)}, ${money(s.amm.tradingUsd)})`,
    ],
    ['peak open interest', money(s.peakOpenInterestUsd)],
    ['average leverage allowed', s.capitalEfficiency.maxLeverageAllowedAvg],
    ["traders' notional per unit of equity", s.capitalEfficiency.notionalPerCollateral],
  ];
  const run: [string, string | number][] = [
    ['scenario', `${s.scenario}: ${s.description}`],
    ['seed', s.seed],
    ['window (UTC)', `${new Date(s.startTs).toISOString()} – ${new Date(s.endTs).toISOString()}`],
    ['steps × step', `${s.steps} × ${s.stepMs / 1000} s`],
    ['commands through Engine.apply', s.commands],
    [
      'rejections',
      Object.entries(s.rejected)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none',
    ],
    ['parameter overrides', JSON.stringify(s.paramOverrides)],
    ['state hash', s.stateHash],
  ];
  const a = s.attacker;
  const attack: [string, string | number][] =
    a === null
      ? [['attacker', 'none']]
      : [
          ['market', a.market],
          ['PnL', money(a.pnlUsd)],
          ['deposited / withdrawn', `${money(a.depositedUsd)} / ${money(a.withdrawnUsd)}`],
          ['peak profit at the mark', money(a.peakMarkProfitUsd)],
          ['withdrawals tried / refused', `${a.withdrawAttempts} / ${a.withdrawRejected}`],
          ['refused: only unrealised profit backed them', a.blockedByLossesOnlyRule],
        ];
  const agents = Object.entries(s.agents).map(([k, v]): [string, string] => [`${k} (${v.count})`, money(v.pnlUsd)]);
  return (
    `<section class="cols"><div><h2>Risk</h2>${table(risk)}</div><div><h2>Run</h2>${table(run)}` +
    `<h2>Mango-style attacker</h2>${table(attack)}<h2>PnL by agent kind</h2>${table(agents)}</div></section>`
  );
}

function liquidationChart(r: SimResult): string {
  const s = r.series;
  const n = s.length;
  const buckets = Math.min(LIQUIDATION_BUCKETS, n);
  const count = new Array<number>(buckets).fill(0);
  const volume = new Array<number>(buckets).fill(0);
  const labels: string[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    for (let i = from; i < to; i++) {
      count[b] += s.liquidations[i];
      volume[b] += s.liquidationVolume[i] / USD;
    }
    labels.push(new Date(s.ts[from]).toISOString().slice(5, 16).replace('T', ' '));
  }
  return (
    barChart('liquidation-volume', 'Liquidation volume over time (USD per bucket)', labels, [
      { name: 'liquidated notional', color: COLORS[1], values: volume },
    ]) +
    barChart('liquidation-count', 'Liquidations over time (count per bucket)', labels, [
      { name: 'liquidations', color: COLORS[3], values: count },
    ])
  );
}

function marginChart(r: SimResult): string {
  const snaps = r.series.snapshots;
  if (snaps.length === 0) return '';
  const stressed = snaps.reduce((w, x) => (stress(x) > stress(w) ? x : w), snaps[0]);
  const picks: [string, MarginSnapshot][] = [
    ['start', snaps.find((x) => x.units > 0) ?? snaps[0]],
    [`most stressed (${new Date(stressed.ts).toISOString().slice(5, 16)})`, stressed],
    ['end', snaps[snaps.length - 1]],
  ];
  const labels = RATIO_EDGES.map((e, i) => `${i === 0 ? '<' : `${RATIO_EDGES[i - 1]}–`}${e}`);
  labels.push(`≥${RATIO_EDGES[RATIO_EDGES.length - 1]}`);
  return barChart(
    'margin-ratios',
    'Distribution of margin ratios (equity / maintenance requirement) over open risk units',
    labels,
    picks.map(([name, snap], i) => ({ name, color: COLORS[i], values: snap.buckets })),
    (v) => `${Math.round(v)}`,
  );
}

/** Share of units within 1.5× of maintenance. */
function stress(s: MarginSnapshot): number {
  return s.units > 0 ? (s.buckets[0] + s.buckets[1] + s.buckets[2] + s.buckets[3]) / s.units : 0;
}

export function renderReport(r: SimResult): string {
  const s = r.series;
  const n = s.length;
  const priceCharts = s.markets
    .map((m) =>
      lineChart(`price-${m.symbol}`, `${m.symbol}: oracle, mark and vAMM price (USD)`, s.ts, n, [
        { name: 'oracle', color: COLORS[0], values: m.oracle.map((p) => p / PRICE_PRECISION) },
        { name: 'mark', color: COLORS[1], values: m.mark.map((p) => p / PRICE_PRECISION) },
        { name: 'vAMM', color: COLORS[2], values: m.amm.map((p) => p / PRICE_PRECISION) },
      ]),
    )
    .join('');
  const insurance = lineChart('insurance-fund', 'Insurance fund (USD)', s.ts, n, [
    { name: 'insurance fund', color: COLORS[4], values: s.insurance.map((x) => x / USD) },
  ]);
  const oi = lineChart(
    'open-interest',
    'Open interest per market (USD at the oracle, larger side)',
    s.ts,
    n,
    s.markets.map((m, i) => ({
      name: m.symbol,
      color: COLORS[i],
      values: m.oiLong.map((x, k) => Math.max(x, m.oiShort[k]) / USD),
    })),
  );
  const title = `clearloop risk simulation — ${r.summary.scenario} (seed ${r.summary.seed})`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1800px}
h1{font-size:20px}h2{font-size:16px;margin:16px 0 6px}
table{border-collapse:collapse}th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{font-weight:600;color:#444}td{font-variant-numeric:tabular-nums;word-break:break-all}
.cols{display:flex;gap:32px;flex-wrap:wrap}.cols>div{flex:1;min-width:420px}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{font-weight:600;margin:8px 0 2px}
svg{background:#fff;border:1px solid #e5e5e5}svg text{font-size:11px;fill:#444}.grid{stroke:#eee}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${summaryTables(r)}
<h2>Charts</h2>
<div class="charts">${priceCharts}${insurance}${oi}${liquidationChart(r)}${marginChart(r)}</div>
<p>Generated by <code>npm run simulate -- ${escapeHtml(r.summary.scenario)} --seed ${r.summary.seed}</code>; all amounts in USD. Prices: ${escapeHtml(
    r.summary.markets.map((m) => m.file).join(', '),
  )} (Binance klines, see sim/data/SOURCES.md). ${shortNumber(r.summary.commands)} commands.</p>
</body></html>
`;
}
