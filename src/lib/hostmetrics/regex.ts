import { Regex } from '../model/regex.js';

/**
 * node_exporter matches its include/exclude flags with Go's unanchored `MatchString` (RE2). Our
 * Regex is fully anchored like Prometheus', so wrap the pattern for a substring search.
 */
export function searchRegex(pattern: string): Regex {
  return Regex.compile(`.*(?:${pattern}).*`);
}

/** A device/mount filter from an exclude pattern and an optional include pattern (include wins). */
export class DeviceFilter {
  private readonly include: Regex | null;
  private readonly exclude: Regex | null;
  constructor(exclude: string | undefined, include: string | undefined) {
    this.include = include ? searchRegex(include) : null;
    this.exclude = !this.include && exclude ? searchRegex(exclude) : null;
  }

  ignored(name: string): boolean {
    if (this.include) return !this.include.matches(name);
    if (this.exclude) return this.exclude.matches(name);
    return false;
  }
}
