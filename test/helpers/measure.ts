/** Prints a measured figure in one greppable line: `[measure] name=value unit`. */
export function report(name: string, value: number, unit: string): void {
  console.log(`[measure] ${name}=${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`);
}
