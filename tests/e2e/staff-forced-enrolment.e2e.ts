/**
 * Journey b: a staff member without a second factor is held on /security until they enrol one;
 * other screens redirect back there. After enrolling, the home page is reachable. (The care-team
 * member: no other journey signs them in, so their first sign-in of the run is this one.)
 */
import { test } from 'node:test';
import {
  demoPassword,
  enrolTotp,
  expectPath,
  expectSignedInHome,
  inBrowser,
  submitPassword,
} from './support/harness.ts';

void test('staff: a care-team member must enrol a second factor before using the app', async () => {
  await inBrowser('staff-forced-enrolment', async (page) => {
    await page.goto('/sign-in');
    await submitPassword(page, 'careteam@demo.consilium.test', demoPassword);

    await expectPath(page, '/security');
    await page
      .getByRole('alert')
      .filter({ hasText: 'Two-step verification is required' })
      .waitFor();

    // Neither the home page nor an admin screen opens until a second factor is set up.
    for (const target of ['/', '/admin/members', '/admin/audit']) {
      await page.goto(target);
      await expectPath(page, '/security');
      await page.getByText('Two-step verification is required').waitFor();
    }

    await enrolTotp(page);
    await page.getByText('Two-step verification is required').waitFor({ state: 'detached' });

    await page.goto('/');
    await expectSignedInHome(page, 'Sam Okafor');
    await page.getByText('You are signed in as Care team').waitFor();
  });
});
