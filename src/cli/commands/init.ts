// Placeholder until its issue lands: the command is registered so its usage is known.
import { TierformError } from '../errors.js';
export async function run(): Promise<number> {
  throw new TierformError('internal.unimplemented', 'this command is not built yet');
}
