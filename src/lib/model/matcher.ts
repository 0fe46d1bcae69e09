import { goQuote, isLegacyLabelName } from './labels.js';
import { Regex } from './regex.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

/** A label matcher: `name op "value"`. Regex matchers are fully anchored RE2. */
export class Matcher {
  readonly re: Regex | null;

  /** Throws RegexError for an invalid regex. */
  constructor(
    readonly type: MatchType,
    readonly name: string,
    readonly value: string,
  ) {
    this.re = type === '=~' || type === '!~' ? Regex.compile(value) : null;
  }

  matches(v: string): boolean {
    switch (this.type) {
      case '=':
        return v === this.value;
      case '!=':
        return v !== this.value;
      case '=~':
        return this.re!.matches(v);
      case '!~':
        return !this.re!.matches(v);
    }
  }

  /** Whether the matcher matches the empty string, i.e. series without the label. */
  matchesEmpty(): boolean {
    return this.matches('');
  }

  toString(): string {
    const n = isLegacyLabelName(this.name) ? this.name : goQuote(this.name);
    return `${n}${this.type}${goQuote(this.value)}`;
  }
}
