import type { NamingRule } from './plan-document.js';

const TITLE_WORD = /^(?:[A-Z][A-Za-z0-9]*|[0-9]+[A-Za-z0-9]*)$/;

/** Whether `name` follows `rule`; `any` accepts everything. */
export function followsNaming(name: string, rule: NamingRule): boolean {
  switch (rule) {
    case 'any':
      return true;
    case 'snake_case':
      return /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/.test(name);
    case 'camelCase':
      return /^[a-z][a-zA-Z0-9]*$/.test(name);
    case 'Title Case':
    case 'Object Action': {
      const words = name.split(' ');
      if (words.some((w) => !TITLE_WORD.test(w))) return false;
      return rule === 'Title Case' || words.length >= 2;
    }
  }
}
