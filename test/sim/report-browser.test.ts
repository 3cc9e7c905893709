/**
 * The HTML report opens in a real headless Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core) from file://, with no
 * network, and every chart has rendered with data. A screenshot is saved
 * under a temporary directory. Without /usr/bin/chromium the test is skipped,
 * loudly.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../sim/report/html.ts';
import { findScenario } from '../../sim/scenarios.ts';
import { simulate } from '../../sim/simulate.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(
    `\n*** SKIPPED: the HTML report browser test needs ${CHROMIUM} (apt-get update && apt-get install -y chromium). ***\n`,
  );
}

const EXPECTED_CHARTS = [
  'price-BTC-PERP',
  'price-ETH-PERP',
  'insurance-fund',
  'open-interest',
  'liquidation-volume',
  'liquidation-count',
  'margin-ratios',
];

describe('HTML report in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clearloop-sim-report-'));
  afterAll(() => rmSync(join(dir, 'profile'), { recursive: true, force: true }));

  it.skipIf(!HAVE_CHROMIUM)('renders every chart with data from file://', async () => {
    const r = simulate(findScenario('black-thursday-2020-1h'), { seed: 1 });
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReport(r));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      await page.setViewportSize({ width: 1900, height: 1200 });
      await page.goto(pathToFileURL(file).href);
      // The callback runs in the page; the project's tsconfig has no DOM types, hence the narrow casts.
      type SvgGeometry = { getTotalLength(): number; getBBox(): { height: number } };
      const charts = await page.$$eval('svg[data-chart]', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const paths = [...svg.querySelectorAll('path.series')];
          const bars = [...svg.querySelectorAll('rect.bar')];
          return {
            id: svg.getAttribute('data-chart') ?? '',
            width: box.width,
            height: box.height,
            maxPoints: Math.max(0, ...paths.map((p) => (p.getAttribute('d') ?? '').split('L').length)),
            pathLength: Math.max(0, ...paths.map((p) => (p as unknown as SvgGeometry).getTotalLength())),
            bars: bars.filter((b) => (b as unknown as SvgGeometry).getBBox().height > 0).length,
          };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual(EXPECTED_CHARTS);
      for (const c of charts) {
        expect(c.width, c.id).toBeGreaterThan(100);
        expect(c.height, c.id).toBeGreaterThan(100);
        if (c.id.startsWith('liquidation') || c.id === 'margin-ratios') expect(c.bars, c.id).toBeGreaterThan(0);
        else {
          expect(c.maxPoints, c.id).toBeGreaterThan(100);
          expect(c.pathLength, c.id).toBeGreaterThan(100);
        }
      }
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(existsSync(shot)).toBe(true);
      console.info(`report screenshot: ${shot}`);
    } finally {
      await browser.close();
    }
  });
});
