import type { Node } from '../domain/node.js';
import type { ConductorCore } from './conductor.js';
import { describeError } from './node-task.js';

/**
 * Starts again the consoles of nodes whose console is enabled, when this conductor starts: the relays are
 * processes of the conductor and died with its previous life. A console that cannot start is recorded on its node.
 */
export async function restoreConsoles(core: ConductorCore): Promise<number> {
  let restored = 0;
  let marker: Node | undefined;
  for (;;) {
    const page = await core.store.nodes.list({ filters: { console_enabled: true, reservation: null }, limit: 100, marker });
    if (page.length === 0) break;
    marker = page[page.length - 1];
    for (const node of page) {
      try {
        await core.withTask(node, 'restore console', async (task) => {
          const console = task.interfaces.console;
          if (!console.startConsole) return;
          try {
            await console.startConsole(task);
            restored += 1;
          } catch (e) {
            const message = `Failed to restore the console of node ${task.node.uuid}: ${describeError(e)}`;
            await task.save({ last_error: message });
            await task.recordHistory('console', message, 'ERROR');
          }
        });
      } catch (e) {
        core.log.warn({ node: node.uuid, err: describeError(e) }, 'console not restored');
      }
    }
  }
  return restored;
}
