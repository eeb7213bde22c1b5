// Renders the config reference table from schemas/config.schema.json, so the README cannot drift from the schema.
// `node scripts/config-reference.mjs --write` updates README.md between its markers; without it, prints the table.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BEGIN = '<!-- config-reference:begin (generated from schemas/config.schema.json by scripts/config-reference.mjs) -->';
export const END = '<!-- config-reference:end -->';

function typeOf(s) {
  if (s.enum) return 'string';
  const t = Array.isArray(s.type) ? s.type.join(' \\| ') : s.type;
  return t === 'integer' ? 'int' : t === 'object' ? 'map' : t === 'array' ? 'list' : t;
}

function rangeOf(s) {
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' or ');
  const parts = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.pattern === '^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$') parts.push('HH:MM:SS');
  else if (s.pattern === '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') parts.push('YYYY-MM-DD');
  else if (s.pattern === '\\S' || s.minLength) parts.push('non-empty');
  return parts.join(', ') || '-';
}

function oneLine(md) {
  return (md ?? '').replace(/\n+/g, ' ').replace(/\|/g, '\\|');
}

export function renderReference(schema) {
  const rows = [];
  const conditional = { password: 'when `auth_method: password`', private_key_path: 'when `auth_method: private_key`', replay: 'one of `replay`/`batch`', batch: 'one of `replay`/`batch`', deephaven: 'for the `dhe` backend', start: 'yes, unless `list`', end: 'yes, unless `list`', list: 'instead of `start`/`end`' };
  const walk = (node, prefix, required) => {
    for (const [key, s] of Object.entries(node.properties ?? {})) {
      const full = prefix ? `${prefix}.${key}` : key;
      const isSection = s.type === 'object' && s.properties;
      const req = required.includes(key) ? 'yes' : conditional[key] ?? 'no';
      const def = s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : '-';
      rows.push(`| \`${full}\` | ${isSection ? 'section' : typeOf(s)} | ${isSection ? '-' : rangeOf(s)} | ${def} | ${req} | ${oneLine(s.markdownDescription)} |`);
      if (isSection) walk(s, full, s.required ?? []);
      if (s.type === 'array' && s.items?.properties) {
        for (const [k, item] of Object.entries(s.items.properties)) {
          rows.push(`| \`${full}[].${k}\` | ${typeOf(item)} | ${rangeOf(item)} | - | yes | ${oneLine(item.markdownDescription)} |`);
        }
      }
    }
  };
  walk(schema, '', schema.required ?? []);
  return ['| key | type | range / values | default | required | meaning |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

export function readmeBlock(readme) {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) return undefined;
  return readme.slice(a + BEGIN.length, b).trim();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const schema = JSON.parse(readFileSync(path.join(root, 'schemas/config.schema.json'), 'utf8'));
  const table = renderReference(schema);
  if (process.argv.includes('--write')) {
    const file = path.join(root, 'README.md');
    const readme = readFileSync(file, 'utf8');
    const a = readme.indexOf(BEGIN);
    const b = readme.indexOf(END);
    if (a < 0 || b < a) throw new Error('README.md has no config-reference markers');
    writeFileSync(file, readme.slice(0, a + BEGIN.length) + '\n' + table + '\n' + readme.slice(b));
  } else {
    console.log(table);
  }
}
