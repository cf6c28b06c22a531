// The one table scripts/bench.mjs prints: one row per (measurement, variant), each figure with
// its ratio to the measurement's reference row (value / reference value).

const formatNumber = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** Rows of figures grouped by measurement, in insertion order. */
export class BenchTable {
  #rows = [];

  /** Rows grouped by measurement (in order of first appearance), insertion order within. */
  #grouped() {
    const order = [...new Set(this.#rows.map((row) => row.measurement))];
    return order.flatMap((measurement) => this.#rows.filter((row) => row.measurement === measurement));
  }

  /**
   * Record a figure. `digits` formats it; `reference` marks the row the others are divided by;
   * `note` is printed beside the figure (range, errors, what was set).
   */
  add(measurement, variant, value, { digits = 1, reference = false, note = '' } = {}) {
    this.#rows.push({ measurement, variant, value, digits, reference, note });
  }

  /** Record that a variant could not be measured (the reason is printed instead of a figure). */
  failed(measurement, variant, error, { reference = false } = {}) {
    const reason = String(error?.message ?? error)
      .split('\n')[0]
      .slice(0, 120);
    this.#rows.push({ measurement, variant, value: NaN, digits: 0, reference, note: `failed: ${reason}` });
  }

  /** Plain data, for a JSON line. */
  toJSON() {
    return this.#grouped().map(({ measurement, variant, value, reference, note }) => ({
      measurement,
      variant,
      value: Number.isFinite(value) ? value : null,
      ratio: this.#ratio({ measurement, value }),
      reference,
      note,
    }));
  }

  #ratio({ measurement, value }) {
    const ref = this.#rows.find((row) => row.measurement === measurement && row.reference);
    if (!ref || !Number.isFinite(value) || !Number.isFinite(ref.value) || ref.value === 0) return null;
    return value / ref.value;
  }

  /** A markdown table; the measurement name is printed on the first row of its group only. */
  render() {
    const header = ['measurement', 'variant', 'value', '× ref', 'notes'];
    let previous;
    const body = this.#grouped().map((row) => {
      const ratio = this.#ratio(row);
      const first = row.measurement !== previous;
      previous = row.measurement;
      return [
        first ? row.measurement : '',
        row.reference ? `${row.variant} (ref)` : row.variant,
        formatNumber(row.value, row.digits),
        row.reference ? '1.00' : ratio === null ? '-' : ratio.toFixed(2),
        row.note,
      ];
    });
    const widths = header.map((_, i) => Math.max(...[header, ...body].map((cells) => cells[i].length)));
    const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
    return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
  }
}
