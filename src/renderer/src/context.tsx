// The model reaches components through context; components select the slice they show.
import { createContext, useContext } from 'react'
import { useStore } from 'zustand'
import type { LibraryState } from './state/library'
import type { ConsoleModel, ConsoleState } from './state/model'
import type { ProgrammingState } from './state/programming'

export const ModelContext = createContext<ConsoleModel | null>(null)

export function useModel(): ConsoleModel {
  const m = useContext(ModelContext)
  if (!m) throw new Error('no ConsoleModel in context')
  return m
}

/** Selects from the console state; the component re-renders only when the selected value changes. */
export function useConsole<T>(selector: (s: ConsoleState) => T): T {
  return useStore(useModel().store, selector)
}

/** Selects from the library's state (its own store: scans and jobs do not touch the multiviewer). */
export function useLibrary<T>(selector: (s: LibraryState) => T): T {
  return useStore(useModel().library.store, selector)
}

/** Selects from the Programming view's state (its own store: edits do not touch the multiviewer). */
export function useProgramming<T>(selector: (s: ProgrammingState) => T): T {
  return useStore(useModel().programming.store, selector)
}
