/**
 * Problems that no linear model solves, for the multi-layer perceptrons (issue 14), and the
 * engines the network tests run on.
 */
import type { EngineName } from '../../ts/engine/types.js';

/** The engines that train networks: both (each network test runs on each, and the parity tests on the pair). */
export const NET_ENGINES: readonly EngineName[] = ['js', 'wasm'];

/** XOR: the four corners of the unit square, labelled by x₁ ≠ x₂. */
export function xor(): { X: number[][]; y: number[] } {
  return { X: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 1, 1, 0] };
}

/**
 * Two interleaved spirals (Lang and Witbrock's benchmark, 1988, without noise): `perClass`
 * points per arm, radius growing from 0.05 to 1 over `turns` turns; class 1 is class 0 turned by
 * π. No two points of different classes are closer than the arms' spacing, so a network can
 * reach 100 % training accuracy.
 */
export function spirals(perClass = 100, turns = 1.5): { X: number[][]; y: number[] } {
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < perClass; i++) {
    const t = i / (perClass - 1);
    const r = 0.05 + 0.95 * t;
    const a = 2 * Math.PI * turns * t;
    X.push([r * Math.cos(a), r * Math.sin(a)]);
    y.push(0);
    X.push([-r * Math.cos(a), -r * Math.sin(a)]);
    y.push(1);
  }
  return { X, y };
}
