/** The chat command language: `audit <cluster-id>`, `audit all`, `status`, `waivers`, `help`. */

export type ChatCommand =
  | { kind: 'audit'; clusterId: string }
  | { kind: 'audit-all' }
  | { kind: 'status' }
  | { kind: 'waivers' }
  | { kind: 'help' }
  | { kind: 'invalid'; reason: string };

/** E-HPC 1.0 cluster ids (`ehpc-hz-FYUr32****`): checked before any API call is made with one. */
export const CLUSTER_ID = /^ehpc-[a-z0-9]+-[A-Za-z0-9]{1,64}$/;

export const HELP_TEXT = [
  'Commands:',
  '• audit <cluster-id>: audit one cluster now (e.g. audit ehpc-hz-FYUr32xxxx)',
  '• audit all: audit every cluster in the configured regions',
  '• status: the latest run and its open findings',
  '• waivers: the waivers in force and when they expire',
  '• help: this list',
].join('\n');

/**
 * Parses what a user typed. DingTalk leaves the spaces where the @mention was; Slack sends the
 * text after the slash command (which may be empty). Anything unexpected is `invalid` with a
 * reason, never an exception, and no part of the text reaches an API unless it is a valid id.
 */
export function parseChatCommand(text: string): ChatCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [verb, argument, ...rest] = words.map((word, index) => (index === 0 ? word.toLowerCase() : word));
  if (verb === undefined || verb === 'help') return { kind: 'help' };
  if (rest.length > 0) return { kind: 'invalid', reason: 'too many words' };
  if (verb === 'status' || verb === 'waivers') {
    return argument === undefined ? { kind: verb } : { kind: 'invalid', reason: `${verb} takes no argument` };
  }
  if (verb === 'audit') {
    if (argument === undefined) return { kind: 'invalid', reason: 'audit needs a cluster id or "all"' };
    if (argument.toLowerCase() === 'all') return { kind: 'audit-all' };
    if (!CLUSTER_ID.test(argument))
      return { kind: 'invalid', reason: 'that is not an E-HPC cluster id (like ehpc-hz-FYUr32xxxx)' };
    return { kind: 'audit', clusterId: argument };
  }
  return { kind: 'invalid', reason: `unknown command "${verb.slice(0, 40)}"` };
}
