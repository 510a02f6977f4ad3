/**
 * How browser mode opens Chromium: in app mode on the 0600 launch file, never on a URL with the
 * token in it. A command line is readable by every local user (/proc/PID/cmdline); the launch
 * file's path is all it shows.
 */
import { pathToFileURL } from 'node:url';

export interface ChromiumLaunch {
  command: string;
  args: string[];
}

export function chromiumLaunch(chromium: string, launchFile: string, userDataDir: string): ChromiumLaunch {
  return {
    command: chromium,
    args: [`--app=${pathToFileURL(launchFile).href}`, `--user-data-dir=${userDataDir}`, '--no-first-run', '--disable-background-networking', '--disable-sync'],
  };
}
