/** Which app and flow a legit session belongs to, drawn from the apps catalogue's mix. */
import type { Flow } from '@tollgate/events';
import { APP_SHARE, FLOW_MIX, type AppName } from '../catalog/apps.catalog.ts';
import type { Random } from '../random/prng.ts';
import { weightedPicker } from '../random/sampling.ts';

export const pickApp = weightedPicker<AppName>(APP_SHARE);

const FLOW_PICKERS: Readonly<Record<AppName, (r: Random) => Flow>> = {
  shop: weightedPicker(FLOW_MIX.shop),
  bank: weightedPicker(FLOW_MIX.bank),
  social: weightedPicker(FLOW_MIX.social),
};

export function pickFlow(r: Random, app: AppName): Flow {
  return FLOW_PICKERS[app](r);
}
