// Extensions that announce behaviour of the generic API layer for every resource
// (pagination, sorting, filter validation, standard attributes, tags, If-Match); the
// behaviour itself is in src/framework/ and src/api/.
import { defineFeature } from '../../framework/feature.ts';
import { apiFeatureExtensions } from './definitions/api-features.ts';

export default defineFeature({
  name: 'api-features',
  extensions: apiFeatureExtensions,
});
