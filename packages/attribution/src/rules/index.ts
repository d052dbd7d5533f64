import type { RuleModelName } from '../models.js';
import { firstTouch } from './first-touch.js';
import { fullPath } from './full-path.js';
import { lastNonDirect } from './last-non-direct.js';
import { lastTouch } from './last-touch.js';
import { linear } from './linear.js';
import { positionBased } from './position-based.js';
import type { RuleModel } from './rule-model.js';
import { timeDecay } from './time-decay.js';
import { wShaped } from './w-shaped.js';

/** The rule models by name. */
export const RULES: Readonly<Record<RuleModelName, RuleModel>> = {
  first_touch: firstTouch,
  last_touch: lastTouch,
  last_non_direct: lastNonDirect,
  linear,
  time_decay: timeDecay,
  position_based: positionBased,
  w_shaped: wShaped,
  full_path: fullPath,
};
