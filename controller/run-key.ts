// The key of a namespaced object in the controller's work queue, maps and informer cache: one
// spelling, so a key made in one module finds what another stored.
export const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;
