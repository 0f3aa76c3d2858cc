// How services reach each other (ServiceDeps.services), in a module of its own so that
// deps.ts and wiring.ts can both name it without importing each other.

/**
 * The other services, by collection (`get`) and by the typed names services call each other
 * through. Its members are declared by the services themselves (`declare module '…/framework/lookup.ts'` in
 * their files), so this file imports none of them and no import cycle forms.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ServiceLookup {}
