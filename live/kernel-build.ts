// What this machine's kernel was built with, as far as it says: its release, its config line for
// guest_memfd (/proc/config.gz or /boot/config-<release>) and whether /proc/kallsyms has a
// kvm_gmem_* function. The evidence a skip names when KVM has no guest_memfd (KERNEL-FACTS §7:
// machines of our kind run 6.18 with and without CONFIG_KVM_GUEST_MEMFD), and what a live run's
// record keeps (live/RESULTS.md).

import fs from 'fs';
import os from 'os';
import zlib from 'zlib';

export interface KernelBuild {
  /** uname -r. */
  readonly release: string;
  /** The config line for CONFIG_KVM_GUEST_MEMFD ("=y", or "# ... is not set"), '' when the config has none, undefined when no config is readable. */
  readonly configLine?: string;
  /** Where the config was read. */
  readonly configFrom?: string;
  /** A kvm_gmem_* function in /proc/kallsyms; undefined when it cannot be read. */
  readonly gmemSymbols?: boolean;
}

const CONFIG_KEY = 'CONFIG_KVM_GUEST_MEMFD';

function readConfig(release: string): { text: string; from: string } | undefined {
  try {
    return { text: zlib.gunzipSync(fs.readFileSync('/proc/config.gz')).toString('utf8'), from: '/proc/config.gz' };
  } catch { /* no IKCONFIG_PROC */ }
  const boot = `/boot/config-${release}`;
  try {
    return { text: fs.readFileSync(boot, 'utf8'), from: boot };
  } catch {
    return undefined;
  }
}

/** The running kernel's release, its guest_memfd config line and its kvm_gmem_* symbols. */
export function kernelBuild(): KernelBuild {
  const release = os.release();
  const config = readConfig(release);
  const line = config?.text.split('\n').find((l) => l.startsWith(`${CONFIG_KEY}=`) || l === `# ${CONFIG_KEY} is not set`);
  let gmemSymbols: boolean | undefined;
  try {
    gmemSymbols = / [tT] kvm_gmem_/.test(fs.readFileSync('/proc/kallsyms', 'utf8'));
  } catch { /* not readable here */ }
  return { release, ...(config ? { configLine: line ?? '', configFrom: config.from } : {}), ...(gmemSymbols !== undefined ? { gmemSymbols } : {}) };
}

/** [major, minor] of a release string ("6.18.44-fc" -> [6, 18]), or undefined. */
const versionOf = (release: string): [number, number] | undefined => {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
};

/** The config line as a record shows it. */
export const configShown = (b: KernelBuild): string =>
  b.configLine === undefined ? 'no kernel config readable' : b.configLine || `no ${CONFIG_KEY} line in ${b.configFrom}`;

/**
 * Why KVM has no guest_memfd here, from the evidence, not from a guess at the version: guest_memfd
 * came with Linux 6.8 (KERNEL-FACTS §2), and a later kernel lacks it only when built without
 * CONFIG_KVM_GUEST_MEMFD (§7), which its config and its symbols show.
 */
export function noGuestMemfdCause(b: KernelBuild): string {
  const v = versionOf(b.release);
  if (v && (v[0] < 6 || (v[0] === 6 && v[1] < 8))) return `Linux ${b.release} predates guest_memfd (Linux 6.8)`;
  const seen: string[] = [];
  if (b.configLine !== undefined) seen.push(b.configLine.endsWith('=y') || b.configLine.endsWith('=m') ? `${b.configFrom} has ${b.configLine}` : `${b.configFrom} has no ${CONFIG_KEY}=y`);
  if (b.gmemSymbols !== undefined) seen.push(b.gmemSymbols ? '/proc/kallsyms lists kvm_gmem_* functions' : 'no kvm_gmem_* function in /proc/kallsyms');
  const built = b.configLine?.endsWith('=y') || b.gmemSymbols === true;
  const verdict = built
    ? `Linux ${b.release} was built with guest_memfd, yet this KVM does not offer it (is the kvm module in use another build?)`
    : `Linux ${b.release} was built without ${CONFIG_KEY}`;
  return seen.length ? `${verdict} (${seen.join('; ')})` : `${verdict} (neither its config nor /proc/kallsyms can be read to confirm it)`;
}
