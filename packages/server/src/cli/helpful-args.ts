import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config/config.js';
import { didYouMean } from '../config/suggest.js';

/**
 * `parseArgs`, with an unknown flag answered as a user can act on: the flag, the closest known
 * one, and the command's help. (node's own message suggests `--` before a positional instead.)
 */
export function parseArgsHelpfully<T extends ParseArgsConfig>(config: T, help = 'touchline --help'): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw err;
    const flag = /'(-{1,2}[^'=]+)/.exec(e.message)?.[1] ?? '';
    const known = Object.keys(config.options ?? {}).map((k) => `--${k}`);
    throw new ConfigError(`unknown flag ${flag}${didYouMean(flag, known)}: see ${help}`);
  }
}

/** The commands a help text lists (its `touchline <command>` lines), for did-you-mean. */
export function commandsOf(help: string): string[] {
  return [...new Set([...help.matchAll(/^\s*(?:\|\s*)?touchline ([a-z][a-z-]*)/gm)].map((m) => m[1]!))];
}

/** An unknown command, with the closest known one. */
export function unknownCommand(command: string, help: string): ConfigError {
  return new ConfigError(`unknown command "${command}"${didYouMean(command, commandsOf(help))}\n\n${help}`);
}
