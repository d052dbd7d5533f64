import type { SendContext } from '../contract/context.js';
import type { BatchItem, RowResult } from '../contract/result.js';
import type { Row } from '../contract/row.js';
import type { StandIn } from '../testing/stand-in-types.js';
import type { ConformanceHarness } from './harness.js';

/** What the suite's case groups share: the harness and the running stand-in. */
export interface SuiteScope<C, P> {
  readonly harness: ConformanceHarness<C, P>;
  standIn(): StandIn<unknown>;
  config(): C;
  ctx(over?: Partial<SendContext<C>>): SendContext<C>;
  mapAll(rows: Row[]): BatchItem<P>[];
}

/** Each result's status, for comparing a batch's outcome at a glance. */
export const statuses = (rs: readonly RowResult<unknown>[]): RowResult<unknown>['status'][] => rs.map((r) => r.status);
