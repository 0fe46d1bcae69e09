import { Labels } from '../model/labels.js';
import type { MetricFamily, MetricKind } from '../model/metricfamily.js';

/** A small builder for one metric family of constant samples. */
export class FamilyBuilder {
  readonly family: MetricFamily;
  constructor(name: string, type: MetricKind, help: string) {
    this.family = { name, type, help, samples: [] };
  }

  /** Adds a sample; `labels` is an object of label name → value (empty values are dropped, as Prometheus does). */
  add(value: number, labels?: Record<string, string>): this {
    this.family.samples.push({
      name: this.family.name,
      labels: labels ? Labels.fromObject(labels) : Labels.EMPTY,
      value,
    });
    return this;
  }
}

/** Collects families by name, creating each on first use. */
export class Families {
  private readonly byName = new Map<string, FamilyBuilder>();

  get(name: string, type: MetricKind, help: string): FamilyBuilder {
    let f = this.byName.get(name);
    if (f === undefined) {
      f = new FamilyBuilder(name, type, help);
      this.byName.set(name, f);
    }
    return f;
  }

  add(name: string, type: MetricKind, help: string, value: number, labels?: Record<string, string>): void {
    this.get(name, type, help).add(value, labels);
  }

  list(): MetricFamily[] {
    return [...this.byName.values()].map((b) => b.family);
  }
}
