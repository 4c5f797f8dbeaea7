import { slugify } from './slug.js';

const title = process.argv.slice(2).join(' ') || 'Hello from Kiln';
console.log(slugify(title));
