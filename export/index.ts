// Export of a pipeline to other engines' formats.
export { exportToTekton, TektonExportError, type TektonRunOptions } from './tekton.js';
