/** What the tests share: the repository's configuration, and the stack synthesised from it. */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ANALYTICS_REPORTING_ENABLED_CONTEXT, BUNDLING_STACKS, PATH_METADATA_ENABLE_CONTEXT } from 'aws-cdk-lib/cx-api';
import { type LoadedConfig, parseConfig } from '../lib/config';
import { HookwayStack } from '../lib/hookway-stack';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SCHEMA: any = readJson('hookway.schema.json');
/** hookway.json as the repository has it. */
export const HOOKWAY_JSON: any = readJson('hookway.json');

export function readJson(file: string): any {
  return JSON.parse(readText(file));
}

/** A file of the repository, as text. */
export function readText(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

/** A configuration as hookway.json would hold it. */
export function config(document: unknown): LoadedConfig {
  return parseConfig(JSON.stringify(document, null, 2), SCHEMA, 'test.json');
}

/** hookway.json with some settings changed, section by section: `{ worker: { timeoutSeconds: 900 } }`. */
export function configWith(changes: Record<string, any>): LoadedConfig {
  const document = structuredClone(HOOKWAY_JSON);
  for (const [key, value] of Object.entries(changes)) {
    document[key] = value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...document[key], ...value } : value;
  }
  return config(document);
}

export interface Synthesized {
  readonly app: App;
  readonly stack: HookwayStack;
  readonly template: Template;
}

/**
 * The stack as `cdk synth` makes it (with cdk.json's feature flags), but without building the Rust
 * binaries: no stack is in the bundling list.
 */
export function synthesize(options: StackOptions = {}): Synthesized {
  const { app, stack } = build(options);
  return { app, stack, template: Template.fromStack(stack) };
}

export interface StackOptions {
  readonly config?: LoadedConfig;
  readonly alarmEmail?: string;
  /** `Hookway` unless given. */
  readonly stackName?: string;
  /**
   * With the metadata the CLI adds to a deployed template (each resource's construct path, and the
   * CDKMetadata resource): what counts against CloudFormation's limits.
   */
  readonly asDeployed?: boolean;
}

/** The app and the stack, not yet synthesised. */
export function build(options: StackOptions = {}): { app: App; stack: HookwayStack } {
  const deployed = options.asDeployed ? { [PATH_METADATA_ENABLE_CONTEXT]: true, [ANALYTICS_REPORTING_ENABLED_CONTEXT]: true } : {};
  const app = new App({ context: { ...readJson('cdk.json').context, [BUNDLING_STACKS]: [], ...deployed } });
  const stack = new HookwayStack(app, options.stackName ?? 'Hookway', {
    config: options.config ?? config(HOOKWAY_JSON),
    repositoryRoot: ROOT,
    alarmEmail: options.alarmEmail,
  });
  return { app, stack };
}

/** The one resource of a type whose logical id starts with `prefix` (the construct path, flattened). */
export function resource(template: Template, type: string, prefix: string): { id: string; Properties: any; [key: string]: any } {
  const matches = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} named ${prefix}*, found ${matches.map(([id]) => id).join(', ') || 'none'}`);
  }
  const [id, body] = matches[0];
  return { id, Properties: body.Properties, ...body };
}

/** `{ Ref: id }` and `{ Fn::GetAtt: [id, 'Arn'] }`, as the template refers to a resource. */
export const ref = (id: string) => ({ Ref: id });
export const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** Every output's value with its references written `${LogicalId}`, the way Fn::Sub would. */
export function outputs(template: Template): Record<string, string> {
  const text = (value: any): string => {
    if (typeof value === 'string') return value;
    if (value.Ref) return `\${${value.Ref}}`;
    if (value['Fn::GetAtt']) return `\${${value['Fn::GetAtt'].join('.')}}`;
    if (value['Fn::Join']) return value['Fn::Join'][1].map(text).join(value['Fn::Join'][0]);
    throw new Error(`unexpected ${JSON.stringify(value)}`);
  };
  return Object.fromEntries(Object.entries(template.findOutputs('*')).map(([id, output]) => [id, text(output.Value)]));
}
