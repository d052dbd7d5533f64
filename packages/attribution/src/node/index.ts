/**
 * @touchline/attribution/node: what needs Node (files, streams). The root export stays pure, so
 * the engine runs in a browser, a worker or a dashboard bundle unchanged.
 */
export { readPathsFile } from './read-paths-file.js';
export {
  attributePathsFile,
  PathsFileError,
  type PathsFileProblem,
  type PathsFileOptions,
  type PathsFileResult,
} from './attribute-paths-file.js';
