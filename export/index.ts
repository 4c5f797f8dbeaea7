// Export of a pipeline to other engines' formats.
export { exportToTekton, tektonYaml, TektonExportError, type TektonRunOptions } from './tekton.js';
