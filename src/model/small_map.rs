//! The map and set a record keeps its few keyed parts in (`missing`, `defaults`, `files`, `raw`):
//! a sorted list in one allocation, read and written as a `BTreeMap` or `BTreeSet` would be.
//!
//! A `BTreeMap` allocates a node with room for eleven entries however few it holds, so a record's
//! four of them took about two kilobytes even when they held one entry each; a scan keeps every
//! record until its report is written, and a large org has tens of thousands. These hold a few
//! dozen entries at most, where a sorted list is as fast.

use std::borrow::Borrow;
use std::fmt;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Grows a full list by one place only. Doubling would leave a record's lists a third empty on
/// average, over tens of thousands of records; these hold a few dozen entries at most, so copying
/// them on each insert costs nothing next to that.
fn room_for_one<T>(list: &mut Vec<T>) {
    if list.len() == list.capacity() {
        list.reserve_exact(1);
    }
}

/// What a record's `missing` and `defaults` hold, and what keys its `files` and `raw`: record
/// paths, metadata type names, and reasons that are mostly the same for every app. Text written
/// into the program is borrowed, not allocated again for each of tens of thousands of records;
/// text made for one app is owned.
pub type RecordText = std::borrow::Cow<'static, str>;

/// A map kept as a list sorted by key.
#[derive(Clone, PartialEq, Eq)]
pub struct SmallMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        Self { entries: Vec::new() }
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(known, _)| known.borrow().cmp(key))
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: impl Into<K>, value: impl Into<V>) -> Option<V> {
        let (key, value) = (key.into(), value.into());
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, value)),
            Err(at) => {
                room_for_one(&mut self.entries);
                self.entries.insert(at, (key, value));
                None
            }
        }
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|at| &self.entries[at].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|at| &mut self.entries[at].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|at| self.entries.remove(at).1)
    }

    /// The value of `key`, made with `make` when there is none.
    pub fn get_or_insert_with(&mut self, key: impl Into<K>, make: impl FnOnce() -> V) -> &mut V {
        let key = key.into();
        let at = match self.find(&key) {
            Ok(at) => at,
            Err(at) => {
                room_for_one(&mut self.entries);
                self.entries.insert(at, (key, make()));
                at
            }
        };
        &mut self.entries[at].1
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(key, value)| (key, value))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(key, _)| key)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, value)| value)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, value)| value)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(key, value)| keep(key, value));
    }
}

impl<K: Ord, V> Extend<(K, V)> for SmallMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        for (key, value) in entries {
            self.insert(key, value);
        }
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SmallMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut map = Self::new();
        map.extend(entries);
        map
    }
}

impl<K, V> IntoIterator for SmallMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K: Ord, V> IntoIterator for &'a SmallMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(key, value)| (key, value))
    }
}

impl<'a, K: Ord, V> IntoIterator for &'a mut SmallMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = std::iter::Map<std::slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> (&'a K, &'a mut V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter_mut().map(|(key, value)| (&*key, value))
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SmallMap<K, V> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_map().entries(self.entries.iter().map(|(key, value)| (key, value))).finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for SmallMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.entries.iter().map(|(key, value)| (key, value)))
    }
}

impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for SmallMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(std::marker::PhantomData<(K, V)>);

        impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = SmallMap<K, V>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = SmallMap::new();
                // A key given twice keeps its last value, as a `BTreeMap` does.
                while let Some((key, value)) = access.next_entry::<K, V>()? {
                    map.insert(key, value);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

/// A set kept as a sorted list.
#[derive(Clone, PartialEq, Eq)]
pub struct SmallSet<T> {
    items: Vec<T>,
}

impl<T> Default for SmallSet<T> {
    fn default() -> Self {
        Self { items: Vec::new() }
    }
}

impl<T: Ord> SmallSet<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `item`; `false` when it was there already.
    pub fn insert(&mut self, item: impl Into<T>) -> bool {
        let item = item.into();
        match self.items.binary_search(&item) {
            Ok(_) => false,
            Err(at) => {
                room_for_one(&mut self.items);
                self.items.insert(at, item);
                true
            }
        }
    }

    pub fn contains<Q: Ord + ?Sized>(&self, item: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.items.binary_search_by(|known| known.borrow().cmp(item)).is_ok()
    }

    /// Moves every item of `other` into this set.
    pub fn append(&mut self, other: &mut Self) {
        self.extend(std::mem::take(&mut other.items));
    }

    /// Items in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
    }
}

impl<T: Ord> Extend<T> for SmallSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.insert(item);
        }
    }
}

impl<T: Ord> FromIterator<T> for SmallSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut set = Self::new();
        set.extend(items);
        set
    }
}

impl<T> IntoIterator for SmallSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a SmallSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T: fmt::Debug> fmt::Debug for SmallSet<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_set().entries(&self.items).finish()
    }
}

impl<T: Serialize> Serialize for SmallSet<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.items)
    }
}

impl<'de, T: Ord + Deserialize<'de>> Deserialize<'de> for SmallSet<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SetVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Ord + Deserialize<'de>> Visitor<'de> for SetVisitor<T> {
            type Value = SmallSet<T>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a list")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut set = SmallSet::new();
                while let Some(item) = access.next_element::<T>()? {
                    set.insert(item);
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(SetVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    #[test]
    fn reads_and_writes_like_the_btree_collections() {
        let pairs = [("policy", "no file"), ("oauth.flows", "x"), ("certificate", "y"), ("policy", "again")];
        let small: SmallMap<String, String> =
            pairs.iter().map(|(key, value)| ((*key).to_string(), (*value).to_string())).collect();
        let btree: BTreeMap<String, String> =
            pairs.iter().map(|(key, value)| ((*key).to_string(), (*value).to_string())).collect();
        assert_eq!(serde_json::to_string(&small).ok(), serde_json::to_string(&btree).ok());
        assert_eq!(format!("{small:?}"), format!("{btree:?}"));
        assert_eq!(small.get("policy").map(String::as_str), Some("again"));
        let text = r#"{"b":"1","a":"2","b":"3"}"#;
        let read: SmallMap<String, String> = serde_json::from_str(text).expect("a map");
        let expected: BTreeMap<String, String> = serde_json::from_str(text).expect("a map");
        assert_eq!(read.iter().collect::<Vec<_>>(), expected.iter().collect::<Vec<_>>());

        let items = ["oauth.pkce_required", "enabled", "oauth.pkce_required", "certificate"];
        let small: SmallSet<String> = items.iter().map(|item| (*item).to_string()).collect();
        let btree: BTreeSet<String> = items.iter().map(|item| (*item).to_string()).collect();
        assert_eq!(serde_json::to_string(&small).ok(), serde_json::to_string(&btree).ok());
        assert_eq!(format!("{small:?}"), format!("{btree:?}"));
        assert!(small.contains("enabled") && !small.contains("policy"));
        let read: SmallSet<String> = serde_json::from_str(r#"["b","a","b"]"#).expect("a list");
        assert_eq!(read.iter().map(String::as_str).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn removes_and_keeps_in_key_order() {
        let mut map: SmallMap<String, u32> = SmallMap::new();
        for (key, value) in [("c", 3_u32), ("a", 1), ("b", 2)] {
            assert_eq!(map.insert(key.to_string(), value), None);
        }
        assert_eq!(map.insert("a", 10_u32), Some(1));
        assert_eq!(map.keys().map(String::as_str).collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(map.remove("b"), Some(2));
        *map.get_or_insert_with("d".to_string(), || 4) += 1;
        map.retain(|key, _| key != "c");
        assert_eq!(map.iter().map(|(key, value)| (key.as_str(), *value)).collect::<Vec<_>>(), [("a", 10), ("d", 5)]);
    }
}
