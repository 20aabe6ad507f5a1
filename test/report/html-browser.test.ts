import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../shared/audit/types';
import { formatHtml } from '../../shared/report/html';
import { REPO } from '../helpers/cli';
import { EVIL_CLUSTER, EVIL_RULE, pageHistory, pageReport } from './html-fixtures';

/**
 * The report page in real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * charts render, the filters work, nothing hostile runs, the CSP blocks nothing of the page's
 * own. Leaves a screenshot at test-artifacts/report-page.png.
 */

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
const executable = CANDIDATES.find(
  (path): path is string => path !== undefined && path !== '' && existsSync(path),
);
const ARTIFACTS = join(REPO, 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'report-page.png');
const TIMEOUT = 30_000;

it.runIf(!executable)('notes why the browser test is skipped', () => {
  console.warn(
    'skipped: the report page browser test needs Chromium; none at CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser (apt-get install chromium, or set CHROMIUM_PATH)',
  );
  expect(executable).toBeUndefined();
});

describe.skipIf(!executable)('report page in headless Chromium', () => {
  const report = pageReport();
  const total = report.findings.length;
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    if (!executable) throw new Error('no Chromium');
    browser = await chromium.launch({ executablePath: executable, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('request', (request) => {
      if (!request.url().startsWith('file:') && !request.url().startsWith('data:'))
        requests.push(request.url());
    });
    // Runs before the page, outside its CSP: records violations and hostile script, if any ran.
    // (Browser code is text here: the project's TypeScript has no DOM types.)
    await page.addInitScript(`
      window.__violations = [];
      window.__xss = 0;
      document.addEventListener('securitypolicyviolation', (event) =>
        window.__violations.push(event.violatedDirective + ' ' + event.blockedURI));
    `);
    const dir = mkdtempSync(join(tmpdir(), 'imagegw-page-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, formatHtml(report, { history: pageHistory() }));
    await page.goto(pathToFileURL(file).href);
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
  });

  const visibleRows = () => page.locator('#findings tbody tr:visible').count();
  const counter = () => page.locator('#findings-count').textContent();

  it('renders every chart with its bars', { timeout: TIMEOUT }, async () => {
    const regions = new Set(report.clusters.map((cluster) => cluster.region));
    const rules = new Set(
      report.findings.filter((finding) => !finding.waived).map((finding) => finding.ruleId),
    );
    const expected: Record<string, number> = {
      severity: SEVERITIES.length,
      compliance: regions.size * 3,
      rules: rules.size,
      trend: pageHistory().length + 1,
    };
    for (const [name, bars] of Object.entries(expected)) {
      const svg = page.locator(`svg[data-chart="${name}"]`);
      const box = await svg.boundingBox();
      expect(box?.width, name).toBeGreaterThan(100);
      expect(box?.height, name).toBeGreaterThan(50);
      expect(await svg.locator('rect[data-value]').count(), name).toBe(bars);
    }
    // A bar with a value has a size on screen, and is painted (not left black or transparent).
    const bar = page.locator('svg[data-chart="severity"] rect[data-label="high"]');
    expect((await bar.boundingBox())?.height).toBeGreaterThan(10);
    const fill = await page.evaluate(
      `getComputedStyle(document.querySelector('svg[data-chart="severity"] rect[data-label="high"]')).fill`,
    );
    expect(fill).toMatch(/^rgb\(/);
    expect(fill).not.toBe('rgb(0, 0, 0)');
  });

  it('shows the filters (script ran) and counts all findings', { timeout: TIMEOUT }, async () => {
    expect(await page.locator('#filters').isVisible()).toBe(true);
    expect(await visibleRows()).toBe(total);
    expect(await counter()).toBe(`${total} of ${total} findings shown`);
  });

  it('filters by severity, cluster substring and rule, and updates the counter', {
    timeout: TIMEOUT,
  }, async () => {
    const high = report.findings.filter((finding) => finding.severity === 'high').length;
    await page.selectOption('#filter-severity', 'high');
    expect(await visibleRows()).toBe(high);
    expect(await counter()).toBe(`${high} of ${total} findings shown`);

    await page.selectOption('#filter-severity', { index: 0 });
    await page.fill('#filter-cluster', 'SH-');
    const shanghai = report.findings.filter((finding) => finding.clusterId.includes('sh-')).length;
    expect(await visibleRows()).toBe(shanghai);
    expect(await counter()).toBe(`${shanghai} of ${total} findings shown`);

    // The hostile cluster name is plain text to the filter too.
    await page.fill('#filter-cluster', 'onerror=');
    const evil = report.findings.filter((finding) => finding.clusterId === EVIL_CLUSTER).length;
    expect(await visibleRows()).toBe(evil);

    await page.fill('#filter-cluster', '');
    await page.selectOption('#filter-rule', EVIL_RULE);
    expect(await visibleRows()).toBe(
      report.findings.filter((finding) => finding.ruleId === EVIL_RULE).length,
    );

    // Rule and severity together: nothing matches, and the page says so.
    await page.selectOption('#filter-severity', 'critical');
    expect(await visibleRows()).toBe(0);
    expect(await counter()).toBe(`0 of ${total} findings shown`);
    expect(await page.locator('#findings-empty').isVisible()).toBe(true);

    await page.click('#filters button[type="reset"]');
    await expect.poll(visibleRows).toBe(total);
    expect(await counter()).toBe(`${total} of ${total} findings shown`);
    expect(await page.locator('#findings-empty').isVisible()).toBe(false);
  });

  it('ran no hostile script, loaded nothing and broke no CSP rule', { timeout: TIMEOUT }, async () => {
    const state = (await page.evaluate('({ violations: window.__violations, xss: window.__xss })')) as {
      violations: string[];
      xss: number;
    };
    expect(state.xss).toBe(0);
    expect(state.violations).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    expect(await page.locator('img, iframe, object, embed').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('#findings tbody td', { hasText: EVIL_CLUSTER }).count()).toBeGreaterThan(0);
  });

  it('saves a full-page screenshot', { timeout: TIMEOUT }, async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });
});
