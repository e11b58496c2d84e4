import { describe, expect, it } from 'vitest';
import { dueEvaluationFire, dueWork, evaluationKey, type MerchantDueState } from '../../src/schedule/due.js';

const d = (s: string): Date => new Date(s);
const sh = { version: 1, timezone: 'Asia/Shanghai', cron: null };

function state(more: Partial<MerchantDueState> = {}): MerchantDueState {
  return { duePending: null, active: sh, firstAppliedAt: d('2026-11-30T10:00:00+08:00'), lastFireAt: null, unfinished: [], ...more };
}

describe('due work (pure)', () => {
  it('the first daily evaluation is the first fire time after the program was first applied', () => {
    const first = d('2026-11-30T10:00:00+08:00');
    expect(dueEvaluationFire('0 3 * * *', 'Asia/Shanghai', first, null, d('2026-12-01T02:59:00+08:00'))).toBeNull();
    expect(dueEvaluationFire('0 3 * * *', 'Asia/Shanghai', first, null, d('2026-12-01T03:00:00+08:00'))?.toISOString()).toBe('2026-11-30T19:00:00.000Z');
    // Applied exactly at a fire time: that one is not after the apply.
    expect(dueEvaluationFire('0 3 * * *', 'Asia/Shanghai', d('2026-12-01T03:00:00+08:00'), null, d('2026-12-01T04:00:00+08:00'))).toBeNull();
  });

  it('once per fire time; several missed days give one evaluation, at the latest', () => {
    const first = d('2026-11-30T10:00:00+08:00');
    const last = d('2026-12-01T03:00:00+08:00');
    expect(dueEvaluationFire('0 3 * * *', 'Asia/Shanghai', first, last, d('2026-12-01T23:00:00+08:00'))).toBeNull();
    expect(dueEvaluationFire('0 3 * * *', 'Asia/Shanghai', first, last, d('2026-12-05T09:00:00+08:00'))?.toISOString()).toBe('2026-12-04T19:00:00.000Z');
    // A clock moved back never evaluates an earlier fire time again.
    expect(dueEvaluationFire('0 3 * * *', 'Asia/Shanghai', first, d('2026-12-05T03:00:00+08:00'), d('2026-12-03T09:00:00+08:00'))).toBeNull();
  });

  it('keys name the fire time on the merchant clock', () => {
    expect(evaluationKey(d('2026-11-22T19:00:00Z'), 'Asia/Shanghai')).toBe('evaluate:2026-11-23T03:00+08:00');
    expect(evaluationKey(d('2026-07-01T10:00:00Z'), 'America/New_York')).toBe('evaluate:2026-07-01T06:00-04:00');
  });

  it('orders work by instant, a version taking effect before an evaluation at the same instant; resumes first', () => {
    const work = dueWork(
      state({
        duePending: { version: 2, effectiveAt: d('2026-12-02T03:00:00+08:00') },
        lastFireAt: d('2026-12-01T03:00:00+08:00'),
        unfinished: [{ key: 'evaluate:2026-12-01T03:00+08:00', kind: 'evaluate', version: 1, at: d('2026-12-01T03:00:00+08:00') }],
      }),
      d('2026-12-02T04:00:00+08:00'),
    );
    expect(work.map((w) => [w.key, w.resume])).toEqual([
      ['evaluate:2026-12-01T03:00+08:00', true],
      ['recalculate:v2', false],
      ['evaluate:2026-12-02T03:00+08:00', false],
    ]);
  });

  it('an unfinished recalculation is resumed once, not also started again', () => {
    const work = dueWork(
      state({
        duePending: { version: 2, effectiveAt: d('2026-12-01T12:00:00+08:00') },
        lastFireAt: d('2026-12-01T03:00:00+08:00'),
        unfinished: [{ key: 'recalculate:v2', kind: 'recalculate', version: 2, at: d('2026-12-01T12:00:00+08:00') }],
      }),
      d('2026-12-01T12:05:00+08:00'),
    );
    expect(work).toEqual([{ kind: 'recalculate', key: 'recalculate:v2', version: 2, at: d('2026-12-01T12:00:00+08:00'), resume: true }]);
  });

  it('follows the program cron and zone', () => {
    const ny = state({ active: { version: 3, timezone: 'America/New_York', cron: '30 2 * * *' }, firstAppliedAt: d('2026-03-01T00:00:00Z') });
    // 2026-03-08 02:30 does not exist in New York: the evaluation fires at the transition, 03:00 EDT.
    expect(dueWork(ny, d('2026-03-08T07:10:00Z')).map((w) => w.key)).toEqual(['evaluate:2026-03-08T03:00-04:00']);
  });
});
