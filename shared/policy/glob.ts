/** `*` matches any run of characters (none included); every other character matches itself. */
export function globMatcher(pattern: string): (text: string) => boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`, 's');
  return (text) => regex.test(text);
}

export function matchesAny(
  matchers: readonly ((text: string) => boolean)[] | undefined,
  text: string,
): boolean {
  return matchers === undefined || matchers.some((matches) => matches(text));
}
