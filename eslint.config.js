// ESLint (typescript-eslint's recommended rules) over the sources; formatting is Prettier's,
// boundaries are dependency-cruiser's (.dependency-cruiser.cjs). `npm run lint` runs all three.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.kiln/', 'contract/log-wire/gen/', 'collector/ui/assets.gen.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // tsc's noUnusedLocals reports these already.
      '@typescript-eslint/no-unused-vars': 'off',
      // Log and key checks match control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  // The web UI's browser code.
  { files: ['collector/ui/browser/**'], languageOptions: { globals: { ...globals.browser } } },
  // Catalog fragments inlined after notify/text.js, which defines these two.
  { files: ['templates/notify/*.js'], languageOptions: { globals: { env: 'readonly', defaultText: 'readonly' } } },
  // CommonJS: config files and the `kiln` entry (bin/package.json).
  {
    files: ['**/*.cjs', 'bin/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
