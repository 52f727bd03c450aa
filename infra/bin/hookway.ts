#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth|diff|deploy` from the repository's root.
 *
 * Context: `-c stackName=hookway-staging` names the stack (default `Hookway`), `-c config=staging.json`
 * chooses its configuration file (default `hookway.json`, relative to the repository's root), one
 * stack per environment; `-c alarmEmail=ops@example.com` mails every alarm there; `-c skipBundling=true`
 * synthesises without building the Rust binaries (the template is the same, the code assets are not
 * built), for checks that do not deploy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../lib/config';
import { HookwayStack } from '../lib/hookway-stack';

const root = path.resolve(__dirname, '..', '..');
// The binaries are built by cargo-lambda with zig, which `make tools` installs into .venv.
const tools = path.join(root, '.venv', 'bin');
if (fs.existsSync(tools)) {
  process.env.PATH = `${tools}${path.delimiter}${process.env.PATH}`;
}

const app = new App();
if (app.node.tryGetContext('skipBundling') === 'true') {
  // The CLI asks every stack to bundle, and user context may not set `aws:` keys.
  app.node.setContext(BUNDLING_STACKS, []);
}

const stackName: string = app.node.tryGetContext('stackName') ?? 'Hookway';
const configFile = path.resolve(root, app.node.tryGetContext('config') ?? 'hookway.json');

new HookwayStack(app, stackName, {
  description: 'Hookway: a serverless webhook gateway (API Gateway, Lambda, SQS, DynamoDB)',
  config: loadConfig(configFile, path.join(root, 'hookway.schema.json')),
  repositoryRoot: root,
  alarmEmail: app.node.tryGetContext('alarmEmail'),
});
Tags.of(app).add('project', 'hookway');
// Synth fails on any AWS Solutions finding that is not acknowledged, with its reason, in the code.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
