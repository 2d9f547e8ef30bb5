/**
 * What every command starts from: the spec, where it lives (relative data paths resolve against its
 * folder) and its data.
 */
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { collect, type Dataset } from "../data/index.js";
import { defaultSpecFile, loadSpec, type Spec } from "../spec/index.js";

export interface Project {
  spec: Spec;
  specPath: string;
  /** The spec's folder: relative data paths resolve against it. */
  baseDir: string;
}

/** A spec file, or a folder holding `mlship.yaml`; loadSpec explains a missing or invalid one. */
export function loadProject(specOption: string | undefined): Project {
  let specPath = resolve(specOption ?? defaultSpecFile);
  const spec = loadSpec(specPath);
  if (statSync(specPath).isDirectory()) specPath = join(specPath, defaultSpecFile);
  return { spec, specPath, baseDir: dirname(specPath) };
}

export function collectProject(project: Project): Promise<Dataset> {
  return collect(project.spec, { baseDir: project.baseDir });
}
