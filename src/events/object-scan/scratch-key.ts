/**
 * Names that tools give files they are still writing, or their own scratch: the fs store's
 * temporaries (`<uuid>.tmp`, kept under `.lakebox/` and never listed, unless a lake puts its
 * tmpDir in a zone), rsync's `.name.XXXXXX`, browsers' `.part` and `.crdownload`, editors'
 * `~` and `.swp`. Announcing them would announce files that are not there yet.
 */
const SCRATCH_SUFFIXES = ['.tmp', '.part', '.partial', '.crdownload', '.swp', '~'];

/** Whether a scan ignores `key`: a hidden name anywhere in it, or a scratch suffix. */
export function isScratchKey(key: string): boolean {
  const segments = key.split('/');
  if (segments.some((segment) => segment.startsWith('.'))) return true;
  const name = segments[segments.length - 1]!;
  return SCRATCH_SUFFIXES.some((suffix) => name.endsWith(suffix));
}
