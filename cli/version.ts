export const KILN_VERSION = '0.1.0';
