// Export of a pipeline to other engines' formats.
export { exportToTekton, goDuration, TektonExportError, type TektonRunOptions } from './tekton.js';
