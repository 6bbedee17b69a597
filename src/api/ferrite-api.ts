/**
 * Ferrite's own API (event stream, enrollment) lives under this prefix, outside Ironic's /v1 space: no
 * microversions there, and no rewriting of prefix-less paths into /v1.
 */
export const FERRITE_PREFIX = '/ferrite/';
