/**
 * A message for a place that shows plain text (diagnostics, notifications): the core words key names as `code`,
 * which VS Code would show with the backticks.
 */
export function plain(message: string): string {
  return message.replace(/`([^`]*)`/g, '$1');
}
