import { execSync } from 'node:child_process';
import { it } from 'vitest';
import { getSandbox } from '@paddock/sdk';
import { adminOf, daemons } from './kit.js';

it('scratch', async () => {
  for (const d of daemons(process.env['ONLY']?.split(','))) {
    const sb = getSandbox(adminOf(d), 'scratch');
    try {
      for (const cmd of (process.env['CMDS'] ?? '').split(';;')) {
        const r = await sb.exec(cmd);
        console.log(`--- ${d.backend}: ${cmd}\n${r.stdout}${r.stderr}(exit ${r.exitCode})`);
      }
      if (process.env['HOSTCMD'])
        console.log(
          execSync(process.env['HOSTCMD'].replaceAll('DATA', d.dataDir).replaceAll('URL', d.url), {
            encoding: 'utf8',
          }),
        );
    } finally {
      await sb.destroy();
    }
  }
});
