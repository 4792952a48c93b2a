import { apiKeyDigestsEqual, digestApiKey } from './api-key.js'
import type { ProjectConfig } from './config.js'

export type ApiKeyType = 'publishable' | 'secret'

export interface ProjectMatch {
  project: ProjectConfig
  keyType: ApiKeyType
}

export interface ProjectDirectory {
  /** Finds the project owning `key` (either key type, reference §1.4). */
  findByApiKey(key: string): ProjectMatch | undefined
  get(id: string): ProjectConfig | undefined
  list(): readonly ProjectConfig[]
}

/**
 * Lookup of projects by API key. Every stored key is compared (no early exit, no hash map
 * keyed by the secret), so response time does not reveal how much of a key was right or
 * whether a key exists.
 */
export function createProjectDirectory(projects: readonly ProjectConfig[]): ProjectDirectory {
  const entries = projects.flatMap((project) => [
    { project, keyType: 'publishable' as const, digest: digestApiKey(project.publishableKey) },
    { project, keyType: 'secret' as const, digest: digestApiKey(project.secretKey) },
  ])
  const byId = new Map(projects.map((project) => [project.id, project]))
  return {
    findByApiKey(key) {
      const presented = digestApiKey(key)
      let match: ProjectMatch | undefined
      for (const entry of entries) {
        if (apiKeyDigestsEqual(presented, entry.digest) && !match) {
          match = { project: entry.project, keyType: entry.keyType }
        }
      }
      return match
    },
    get: (id) => byId.get(id),
    list: () => projects,
  }
}
