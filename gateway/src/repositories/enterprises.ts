/**
 * Repository port: The gateway-side enterprise directory. The row types live here with the interface; adapters/pg
 * implements it.
 */
import type { Enterprise } from '../domain/principal';

/** What {@link EnterprisesRepository.insert} stores. */
export type NewEnterprise = Omit<Enterprise, 'createdAt'>;

/** Repository of enterprises. */
export interface EnterprisesRepository {
  /** Insert; undefined when an enterprise with this id already exists (nothing is changed then). */
  insert(enterprise: NewEnterprise): Promise<Enterprise | undefined>;
  findById(id: string): Promise<Enterprise | undefined>;
}
