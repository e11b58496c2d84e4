import { describe, expect, it } from 'vitest';
import { HOURLY_RUN_DUE, runDueCrons } from '../../src/init/runDueCron.js';

const from = new Date('2026-11-29T00:00:00Z');

describe('the run-due schedule derived from the evaluation crons', () => {
  it('runs a few minutes after a UTC evaluation', () => {
    expect(runDueCrons([{ cron: '0 3 * * *', timezone: 'UTC' }], from)).toEqual(['5 3 * * *']);
  });

  it('covers both sides of daylight saving time (03:00 in Berlin is 02:00 UTC in winter, 01:00 in summer)', () => {
    expect(runDueCrons([{ cron: '0 3 * * *', timezone: 'Europe/Berlin' }], from)).toEqual(['5 1,2 * * *']);
  });

  it('groups merchants by minute and carries past the hour and midnight', () => {
    const crons = runDueCrons(
      [
        { cron: '0 3 * * *', timezone: 'Asia/Kolkata' }, // 21:30 UTC
        { cron: '58 23 * * *', timezone: 'UTC' }, // 00:03 UTC the next day
        { cron: '30 6 * * *', timezone: 'UTC' },
      ],
      from,
    );
    expect(crons).toEqual(['3 0 * * *', '35 6,21 * * *']);
  });

  it('falls back to hourly when the evaluation is not daily or the times are too many to list', () => {
    expect(runDueCrons([{ cron: '*/5 * * * *', timezone: 'UTC' }], from)).toEqual([HOURLY_RUN_DUE]);
    const many = Array.from({ length: 13 }, (_, h) => ({ cron: `0 ${h} * * *`, timezone: 'UTC' }));
    expect(runDueCrons(many, from)).toEqual([HOURLY_RUN_DUE]);
    expect(runDueCrons([], from)).toEqual([HOURLY_RUN_DUE]);
  });
});
