// Export of a pipeline to other engines' formats: Tekton v1, a GitHub Actions workflow, an Argo Workflow.
export { exportToTekton, tektonYaml, TektonExportError, type TektonRunOptions } from './tekton.js';
export { exportToGitHubActions, type ActionsOptions } from './github-actions.js';
export { exportToArgo, type ArgoOptions } from './argo.js';
export { EXPORT_TARGETS, ExportError, type ExportTarget } from './common.js';
