/**
 * `npx tsx bench/profile.ts <file.cpuprofile> [top] [pattern]`: self time by function and by file, and inclusive
 * time, of a --cpu-prof profile; with `pattern` (a regular expression), only inclusive entries that match it.
 */
import { formatProfile, summarizeProfile } from './lib/profile.ts';

const [file, topArg, pattern] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: npx tsx bench/profile.ts <file.cpuprofile> [top] [pattern]');
  process.exit(2);
}
if (pattern === undefined) {
  console.log(formatProfile(summarizeProfile(file, Number(topArg ?? '25'))));
} else {
  const re = new RegExp(pattern);
  const summary = summarizeProfile(file, 100_000);
  for (const e of summary.topInclusive.filter((x) => re.test(x.name)).slice(0, Number(topArg ?? '25'))) {
    console.log(`${e.percent.toFixed(1).padStart(5)}%  ${String(e.ms).padStart(6)} ms  ${e.name}`);
  }
}
