// What the dashboard's browser tests share: the bundle built, a server with the embedded
// identity service, Debian's Chromium driven by playwright-core, and a signed-in page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildDashboard } from '../../src/dashboard/build.ts';
import { ADMIN_PASSWORD, startIdentityTestServer, type IdentityTestServer } from '../helpers/identity.ts';

export const CHROMIUM = process.env.NEUTRINO_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

export interface DashboardBrowser {
  t: IdentityTestServer;
  browser: Browser;
  page: Page;
  close: () => Promise<void>;
}

export async function openDashboard(): Promise<DashboardBrowser> {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set NEUTRINO_CHROMIUM)`);
  await buildDashboard();
  const t = await startIdentityTestServer('sqlite');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(15_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  return {
    t,
    browser,
    page,
    close: async () => {
      await browser.close();
      await t.close();
    },
  };
}

/** Signs in on the page as the embedded identity's admin, in project admin. */
export async function signInAsAdmin(d: DashboardBrowser): Promise<void> {
  await d.page.goto(`${d.t.url}/dashboard`);
  await d.page.fill('input[name=user]', 'admin');
  await d.page.fill('input[name=password]', ADMIN_PASSWORD);
  await d.page.fill('input[name=project]', 'admin');
  await d.page.click('button[type=submit]');
  await d.page.getByTestId('tab-topology').waitFor();
}
