/**
 * Where the console keeps its data when no folder is given: the same place Electron's
 * `app.getPath('userData')` uses for an app named Sluice, so `sluice serve` and the
 * desktop app share history.
 */
import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env['SLUICE_DATA_DIR']) return path.resolve(env['SLUICE_DATA_DIR']);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Sluice');
  if (platform === 'win32') return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), 'Sluice');
  return path.join(env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), 'Sluice');
}
