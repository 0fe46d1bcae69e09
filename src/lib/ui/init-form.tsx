/**
 * `promctl init`'s interactive form (Ink). InitFormView is presentational; InitForm wires key
 * presses to the pure reducer in init-form-model.ts; runInitForm renders it on the terminal.
 */
import { Box, Text, render, useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';
import type { InitOptions } from '../config/init.js';
import { formResult, initialForm, reduceChunk, type FormState } from './init-form-model.js';

export function InitFormView({ state }: { state: FormState }) {
  return (
    <Box flexDirection="column">
      <Text bold>promctl init: a prometheus.yml for this machine</Text>
      <Text dimColor>Enter: next · ↑/↓: move · Esc: cancel</Text>
      <Box flexDirection="column" marginTop={1}>
        {state.fields.map((f, i) => {
          const active = i === state.index;
          const err = active ? state.error : null;
          return (
            <Box key={f.key} flexDirection="column">
              <Text>
                <Text color={active ? 'cyan' : undefined}>{active ? '› ' : '  '}</Text>
                <Text bold={active}>{f.label.padEnd(20)}</Text>
                <Text color={err ? 'red' : active ? 'white' : 'green'}>{f.value}</Text>
                {active ? <Text inverse> </Text> : null}
                {f.optional && f.value === '' && !active ? <Text dimColor>(none)</Text> : null}
              </Text>
              {active ? (
                <Text dimColor={!err} color={err ? (state.blocked ? 'red' : 'yellow') : undefined}>
                  {'    '}
                  {err ?? f.help}
                </Text>
              ) : null}
            </Box>
          );
        })}
      </Box>
    </Box>
  );
}

export function InitForm({
  initial,
  onDone,
}: {
  initial?: FormState;
  onDone: (result: (InitOptions & { file: string }) | null) => void;
}) {
  const [state, setState] = useState<FormState>(initial ?? initialForm());
  const { exit } = useApp();
  useInput((input, key) => setState((s) => reduceChunk(s, input, key)));
  useEffect(() => {
    if (state.done) {
      onDone(formResult(state));
      exit();
    } else if (state.cancelled) {
      onDone(null);
      exit();
    }
  }, [state, onDone, exit]);
  return <InitFormView state={state} />;
}

/** Asks on the terminal; resolves with the answers, or null when cancelled. */
export async function runInitForm(
  defaults?: Partial<InitOptions> & { file?: string },
): Promise<(InitOptions & { file: string }) | null> {
  let result: (InitOptions & { file: string }) | null = null;
  const app = render(<InitForm initial={initialForm(defaults)} onDone={(r) => (result = r)} />, { exitOnCtrlC: false });
  await app.waitUntilExit();
  return result;
}
