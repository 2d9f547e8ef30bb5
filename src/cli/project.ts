/**
 * The steps every command shares: find and load the spec, collect its data, pick features and target,
 * validate. Commands compose these so `validate`, `prep` and `demo` behave identically.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { MlshipError } from "../core/errors.js";
import type { Frame } from "../core/frame.js";
import { collect, type Dataset } from "../data/index.js";
import { loadSpec, type Spec } from "../spec/index.js";
import { deriveExpectations, type ValidationReport, validate } from "../validate/index.js";

export interface Project {
  spec: Spec;
  specPath: string;
  /** The spec's folder: relative data paths resolve against it. */
  baseDir: string;
}

export function loadProject(specOption: string | undefined): Project {
  const specPath = resolve(specOption ?? "mlship.yaml");
  if (!existsSync(specPath)) {
    throw new MlshipError({
      what: "no spec file found",
      where: specPath,
      fix: "pass --spec PATH, or create one with `mlship init --data FILE --target COLUMN`",
      code: "E_SPEC_MISSING",
    });
  }
  return { spec: loadSpec(specPath), specPath, baseDir: dirname(specPath) };
}

export function collectProject(project: Project): Promise<Dataset> {
  return collect(project.spec, { baseDir: project.baseDir });
}

export function validateProject(project: Project, frame: Frame): ValidationReport {
  return validate(frame, deriveExpectations(project.spec, { columns: frame.names }));
}
