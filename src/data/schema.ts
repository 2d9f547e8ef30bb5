/**
 * The inferred schema that travels with every collected dataset and every artifact, so later stages
 * (validation, serving, drift) can say exactly what data a model saw.
 */
import type { ColumnType } from "../core/frame.js";

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  nullable: boolean;
  missingShare: number;
  distinctCount: number;
  /** Numeric and datetime columns (datetimes as epoch ms); null when every value is missing. */
  min?: number | null;
  max?: number | null;
  /** Categorical columns: the levels, in code order. */
  levels?: string[];
}

export interface DatasetSchema {
  nRows: number;
  columns: ColumnSchema[];
}
