// Time as Neutron renders it.

/** Neutron's timestamp form: 2016-03-08T20:19:41Z. */
export const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
