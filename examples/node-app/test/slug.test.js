import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from '../src/slug.js';

test('lowercases and joins words with dashes', () => {
  assert.equal(slugify('Hello World'), 'hello-world');
});

test('drops accents and punctuation', () => {
  assert.equal(slugify('Crème brûlée, please!'), 'creme-brulee-please');
});

test('trims leading and trailing separators', () => {
  assert.equal(slugify('  --Kiln--  '), 'kiln');
});
